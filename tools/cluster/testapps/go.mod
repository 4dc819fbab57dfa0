// Small servers the e2e tests talk to inside the cluster (standard library only).
module ktctl/tools/cluster/testapps

go 1.23.0
