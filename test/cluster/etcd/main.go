// etcd for the cluster tests: the upstream server's own main (etcdmain), built from the Go
// module proxy, since no etcd binary of a version kube-apiserver 1.35 supports is in Debian.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
