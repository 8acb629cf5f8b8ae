#!/usr/bin/env bash
# Builds the gRPC conformance host and the Go reference plugin (GOPATH mode, offline).
#
#   tests/conformance-grpc/build.sh            -> target/conformance-grpc-host, target/refplugin-grpc
#
# Needs Debian's protobuf-compiler, golang-goprotobuf-dev (protoc-gen-go 1.3.5, which
# still has the built-in grpc plugin: --go_out=plugins=grpc:), golang-google-grpc-dev,
# golang-github-hashicorp-go-plugin-dev and golang-go.
#
# Go stubs are generated from OUR proto/*.proto into target/conformance-grpc/gopath/src
# (never committed):
#   pluginapiv1  <- common.proto model.proto hooks.proto api.proto (package mattermost.pluginapi.v1)
#   gopluginpb   <- goplugin.proto (package plugin: GRPCController)
# The .proto files carry no go_package option; the import paths are given with
# --go_out=M<file>=<importpath> (protoc-gen-go 1.3.5 then writes <file>.pb.go straight
# into the --go_out directory, so each package gets its own output directory).
#
# protoc-gen-go 1.3.5 predates proto3 `optional` (protoc refuses to run it on a file that
# uses it), so the protos are copied to target/conformance-grpc/proto with the `optional`
# label removed first. On the wire an optional scalar and a plain one are the same field
# (same number, same type, same encoding); only "was it set" is lost, which the Go host
# and reference plugin never look at.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/target/conformance-grpc"
gopath="$out/gopath"

command -v protoc >/dev/null || { echo "build.sh: protoc missing (apt-get install protobuf-compiler)" >&2; exit 1; }
command -v protoc-gen-go >/dev/null || { echo "build.sh: protoc-gen-go missing (apt-get install golang-goprotobuf-dev)" >&2; exit 1; }

rm -rf "$out/proto" "$gopath/src/pluginapiv1" "$gopath/src/gopluginpb"
mkdir -p "$out/proto" "$gopath/src/pluginapiv1" "$gopath/src/gopluginpb"
for f in "$root"/proto/*.proto; do
  sed -E 's/^([[:space:]]*)optional[[:space:]]+/\1/' "$f" > "$out/proto/$(basename "$f")"
done

api_files=(common.proto model.proto hooks.proto api.proto)
# Debian's /usr/include/google/protobuf/struct.proto names the APIv2 package
# (google.golang.org/protobuf/...), which Debian's Go tree lacks; use golang/protobuf 1.3.5's.
mopts="Mgoogle/protobuf/struct.proto=github.com/golang/protobuf/ptypes/struct,"
for f in "${api_files[@]}"; do mopts+="M$f=pluginapiv1,"; done

cd "$out/proto"
protoc -I. -I/usr/include --go_out="plugins=grpc,${mopts}:$gopath/src/pluginapiv1" "${api_files[@]}"
protoc -I. -I/usr/include --go_out="plugins=grpc,Mgoplugin.proto=gopluginpb:$gopath/src/gopluginpb" goplugin.proto

export GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOCACHE="${GOCACHE:-$root/target/gocache}" GOFLAGS=
cd "$root"
go build -o target/conformance-grpc-host ./tests/conformance-grpc/host
go build -o target/refplugin-grpc ./tests/conformance-grpc/refplugin
echo "built target/conformance-grpc-host target/refplugin-grpc"
