// Command registry is the CNCF distribution registry (the `registry serve`
// of github.com/distribution/distribution/v3/cmd/registry) with the storage
// drivers and auth tests use: the filesystem and in-memory drivers and
// htpasswd or token auth. The cloud storage drivers are left out, so a cold
// build does not download and compile the Azure, Google Cloud and AWS SDKs.
package main

import (
	"github.com/distribution/distribution/v3/registry"
	_ "github.com/distribution/distribution/v3/registry/auth/htpasswd"
	_ "github.com/distribution/distribution/v3/registry/auth/token"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"
)

func main() {
	// Execute reports its own errors and exits non-zero on failure.
	_ = registry.RootCmd.Execute()
}
