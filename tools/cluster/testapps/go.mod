// Small servers the e2e tests talk to inside the cluster, and clients that call them through the mesh router.
module ktctl/tools/cluster/testapps

go 1.23.0

require (
	golang.org/x/net v0.37.0
	google.golang.org/grpc v1.71.0
	google.golang.org/protobuf v1.36.4
)

require (
	golang.org/x/sys v0.31.0 // indirect
	golang.org/x/text v0.23.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20250115164207-1a7da9e5054f // indirect
)
