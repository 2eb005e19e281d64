package snapshot

import "testing"

const benchTOML = `# header
description = "storefront API"
handler = "index.handler"
layers = ["acs:fc:cn-hangzhou:1:layers/a/versions/1", "acs:fc:cn-hangzhou:1:layers/b/versions/2"]
memorySize = 1024
runtime = "python3.10"
timeout = 30

[environmentVariables]
DB_URL = "postgres://db:5432/shop"
STAGE = "prod"

[vpcConfig]
securityGroupId = "sg-1"
vSwitchIds = ["vsw-1", "vsw-2"]
vpcId = "vpc-1"

[triggers.http]
triggerType = "http"

[triggers.http.config]
authType = "anonymous"
methods = ["GET", "POST"]

[triggers.tick]
triggerType = "timer"

[triggers.tick.config]
cronExpression = "@every 5m"
enable = true
`

// BenchmarkDecode and BenchmarkEncode measure the per-function cost every
// fetch, status and push pays.
func BenchmarkDecode(b *testing.B) {
	for b.Loop() {
		if _, err := Decode("functions/api/function.toml", []byte(benchTOML), "api"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	st, err := Decode("functions/api/function.toml", []byte(benchTOML), "api")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Encode(st, st); err != nil {
			b.Fatal(err)
		}
	}
}
