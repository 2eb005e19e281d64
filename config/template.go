package config

import (
	"fmt"
	"strings"

	"github.com/fcgit/fcgit/snapshot"
)

// Render writes a commented fcgit.toml for c. Every key is present so that a
// reader sees what can be set; docs/configuration.md says more.
func Render(c *Config) []byte {
	var b strings.Builder
	// strconv.Quote would write Go escapes (\a, \x01) that TOML refuses.
	q := snapshot.QuoteTOML
	fmt.Fprintf(&b, "# fcgit project settings. Commit this file. Reference: docs/configuration.md\n")
	fmt.Fprintf(&b, "# Credentials never go here: fcgit uses the Alibaba Cloud default credential chain\n")
	fmt.Fprintf(&b, "# (ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, the aliyun CLI profile, OIDC, RAM role).\n\n")
	fmt.Fprintf(&b, "# Function Compute region, e.g. \"cn-hangzhou\", \"cn-shanghai\", \"ap-southeast-1\".\n")
	fmt.Fprintf(&b, "region = %s\n\n", q(c.Region))
	fmt.Fprintf(&b, "# API endpoint override (an emulator, a private or VPC endpoint). Empty means\n")
	fmt.Fprintf(&b, "# https://fcv3.<region>.aliyuncs.com. The --endpoint flag and FCGIT_ENDPOINT win over it.\n")
	fmt.Fprintf(&b, "endpoint = %s\n\n", q(c.Endpoint))
	fmt.Fprintf(&b, "# Directory holding one sub-directory per function (function.toml + code/).\n")
	fmt.Fprintf(&b, "dir = %s\n\n", q(c.Dir))
	fmt.Fprintf(&b, "# Branch that records what fcgit last saw online or deployed.\n")
	fmt.Fprintf(&b, "branch = %s\n\n", q(c.Branch))
	fmt.Fprintf(&b, "# Directory of custom domain files, one <domainName>.toml each; \"\" leaves\n")
	fmt.Fprintf(&b, "# custom domains unmanaged.\n")
	if c.Domains != nil {
		fmt.Fprintf(&b, "domains = %s\n\n", q(*c.Domains))
	} else {
		fmt.Fprintf(&b, "# domains = %s\n\n", q(DefaultDomains))
	}
	fmt.Fprintf(&b, "# Kinds read for every function in scope, so that a console edit on any function\n")
	fmt.Fprintf(&b, "# is seen. aliases and vpcBindings cost one request per function each on every\n")
	fmt.Fprintf(&b, "# read; a kind left out is read only for functions whose function.toml declares\n")
	fmt.Fprintf(&b, "# it. Without this key: all of them.\n")
	switch {
	case c.ReadForEveryFunction != nil:
		fmt.Fprintf(&b, "readForEveryFunction = %s\n\n", renderList(*c.ReadForEveryFunction))
	case c.Watch != nil:
		fmt.Fprintf(&b, "watch = %s\n\n", renderList(c.Watch))
	default:
		fmt.Fprintf(&b, "# readForEveryFunction = %s\n\n", renderList(ReadKinds))
	}
	fmt.Fprintf(&b, "# Environment variables whose values are secrets (globs, case-insensitive):\n")
	fmt.Fprintf(&b, "# function.toml holds a reference instead of the value, and push takes the\n")
	fmt.Fprintf(&b, "# value from its environment. Without this key: %s.\n", strings.Join(DefaultSecretPatterns, " "))
	fmt.Fprintf(&b, "# secrets = [] turns it off.\n")
	if c.Secrets != nil {
		fmt.Fprintf(&b, "secrets = %s\n\n", renderList(*c.Secrets))
	} else {
		fmt.Fprintf(&b, "# secrets = [\"DB_PASSWORD\", \"*_TOKEN\"]\n\n")
	}
	fmt.Fprintf(&b, "# Which online functions this repository manages. Functions outside the scope\n")
	fmt.Fprintf(&b, "# are never read, changed or deleted.\n")
	fmt.Fprintf(&b, "[scope]\n")
	fmt.Fprintf(&b, "# Only names starting with this prefix (\"\" = all functions in the region).\n")
	fmt.Fprintf(&b, "prefix = %s\n", q(c.Scope.Prefix))
	fmt.Fprintf(&b, "# Name globs (path.Match syntax) to keep / to leave out, applied after prefix.\n")
	fmt.Fprintf(&b, "include = %s\n", renderList(c.Scope.Include))
	fmt.Fprintf(&b, "exclude = %s\n", renderList(c.Scope.Exclude))
	fmt.Fprintf(&b, "# \"v3\": functions created under FC 3.0 only; \"v2\": those created under FC 2.0\n")
	fmt.Fprintf(&b, "# (service$function) only; \"\": both.\n")
	fmt.Fprintf(&b, "fcVersion = %s\n\n", q(c.Scope.FCVersion))
	fmt.Fprintf(&b, "# Code packages over FC's 100 MB inline limit (up to 500 MB): push uploads them\n")
	fmt.Fprintf(&b, "# to this OSS bucket, which must be in the region above, and FC reads them there.\n")
	fmt.Fprintf(&b, "[code]\n")
	if c.Code.OSSBucket != "" {
		fmt.Fprintf(&b, "ossBucket = %s\n", q(c.Code.OSSBucket))
	} else {
		fmt.Fprintf(&b, "# ossBucket = \"my-deploy-bucket\"\n")
	}
	fmt.Fprintf(&b, "# Object names are <ossPrefix><function>/<checksum>.zip.\n")
	if c.Code.OSSPrefix != nil {
		fmt.Fprintf(&b, "ossPrefix = %s\n", q(*c.Code.OSSPrefix))
	} else {
		fmt.Fprintf(&b, "# ossPrefix = %s\n", q(DefaultOSSPrefix))
	}
	fmt.Fprintf(&b, "# OSS endpoint override (internal endpoint, emulator). Empty means\n")
	fmt.Fprintf(&b, "# https://oss-<region>.aliyuncs.com. FCGIT_OSS_ENDPOINT wins over it.\n")
	if c.Code.OSSEndpoint != "" {
		fmt.Fprintf(&b, "ossEndpoint = %s\n", q(c.Code.OSSEndpoint))
	} else {
		fmt.Fprintf(&b, "# ossEndpoint = \"\"\n")
	}
	return []byte(b.String())
}

func renderList(l []string) string {
	parts := make([]string, len(l))
	for i, s := range l {
		parts[i] = snapshot.QuoteTOML(s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
