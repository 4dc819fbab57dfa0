// Command kube is a multi-call binary holding every process of the ktctl test cluster: one link of the
// shared Kubernetes code instead of six, which is what keeps the cold build short.
//
// The component is chosen by the first argument (or by the program's name, busybox-style):
//
//	kube apiserver|controller-manager|scheduler|kubelet|proxy|kubectl|etcd [flags...]
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	_ "time/tzdata" // CronJob time zones, as the upstream apiserver and controller-manager mains do

	_ "k8s.io/client-go/plugin/pkg/client/auth"
	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	kubectlcmd "k8s.io/kubectl/pkg/cmd"
	kubectlutil "k8s.io/kubectl/pkg/cmd/util"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	proxy "k8s.io/kubernetes/cmd/kube-proxy/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"
)

// components maps each sub-command to the function that runs it and returns the exit code.
var components = map[string]func() int{
	"apiserver":          func() int { return runCobra(apiserver.NewAPIServerCommand()) },
	"controller-manager": func() int { return runCobra(controllermanager.NewControllerManagerCommand()) },
	"scheduler":          func() int { return runCobra(scheduler.NewSchedulerCommand()) },
	"kubelet":            func() int { return runCobra(kubelet.NewKubeletCommand()) },
	"proxy":              func() int { return runCobra(proxy.NewProxyCommand()) },
	"kubectl":            runKubectl,
	"etcd":               runEtcd,
}

func main() {
	name := strings.TrimPrefix(filepath.Base(os.Args[0]), "kube-")
	if _, ok := components[name]; !ok && len(os.Args) > 1 {
		name = os.Args[1]
		os.Args = append([]string{os.Args[0] + " " + name}, os.Args[2:]...)
	}
	run, ok := components[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "usage: %s <%s> [flags...]\n", filepath.Base(os.Args[0]), strings.Join(names(), "|"))
		os.Exit(2)
	}
	os.Exit(run())
}

// runCobra runs a component command with the process arguments left after the component name.
func runCobra(cmd *cobra.Command) int {
	cmd.SetArgs(os.Args[1:])
	return cli.Run(cmd)
}

// runKubectl mirrors upstream cmd/kubectl: kubectl prints its own errors.
func runKubectl() int {
	cmd := kubectlcmd.NewDefaultKubectlCommand()
	cmd.SetArgs(os.Args[1:])
	if err := cli.RunNoErrOutput(cmd); err != nil {
		kubectlutil.CheckErr(err)
	}
	return 0
}

func names() []string {
	out := make([]string, 0, len(components))
	for n := range components {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
