// Command pause is the pod sandbox's first process, as Kubernetes' pause.c: it holds the pod's
// namespaces open, exits on SIGINT/SIGTERM and reaps orphans when it is PID 1 of a shared PID
// namespace. Built static here because registry.k8s.io/pause cannot be pulled on this machine.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range sigs {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
