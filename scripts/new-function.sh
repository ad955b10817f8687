#!/usr/bin/env bash
# Make a new Lambda function project from templates/function/, wired to this
# checkout of lambda-zero: the way a contributor tries an unreleased crate.
#
# usage: scripts/new-function.sh DIR [--arch x86_64|arm64] [--name NAME]
#
#   DIR      the new project's directory (must not exist, or be empty); it
#            must not lie inside this repository (cargo would take it for a
#            member of this workspace)
#   --arch   the architecture template.yaml deploys and `make` / `sam build`
#            build for (default: arm64, the template's)
#   --name   the package and binary name (default: DIR's last component,
#            lower-cased, anything but [a-z0-9_-] turned into '-')
#
# The copy keeps `lambda-zero = "0.1"` as it will be once published, and adds
# a `[patch.crates-io]` section pointing at this checkout; delete those lines
# to build against crates.io. Prints what to run next. Needs only coreutils
# and sed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEMPLATE="$ROOT/templates/function"

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
die() { echo "new-function.sh: error: $*" >&2; exit 1; }

DIR=""
ARCH=arm64
NAME=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --arch) ARCH="${2:?--arch needs a value}"; shift 2 ;;
    --arch=*) ARCH="${1#*=}"; shift ;;
    --name) NAME="${2:?--name needs a value}"; shift 2 ;;
    --name=*) NAME="${1#*=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; die "unknown option: $1" ;;
    *) [[ -z $DIR ]] || die "one DIR only (got '$DIR' and '$1')"; DIR="$1"; shift ;;
  esac
done
[[ -n $DIR ]] || { usage >&2; die "DIR is missing"; }
case "$ARCH" in
  arm64 | aarch64) ARCH=arm64 ;;
  x86_64 | amd64 | x86-64) ARCH=x86_64 ;;
  *) die "--arch must be x86_64 or arm64, not '$ARCH'" ;;
esac

if [[ -e $DIR ]]; then
  [[ -d $DIR ]] || die "$DIR exists and is not a directory"
  [[ -z "$(ls -A "$DIR")" ]] || die "$DIR exists and is not empty"
fi
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
case "$DIR/" in
  "$ROOT"/*) rmdir "$DIR" 2>/dev/null || true
    die "$DIR is inside this repository; cargo would take it for a member of the lambda-zero workspace: pick a directory outside $ROOT" ;;
esac

if [[ -z $NAME ]]; then
  NAME="$(basename "$DIR" | tr '[:upper:]' '[:lower:]' | sed 's/[^a-z0-9_-]/-/g')"
fi
[[ $NAME =~ ^[a-z][a-z0-9_-]*$ ]] || die "'$NAME' is not a usable package name (a letter, then letters, digits, '-' or '_'): pass --name"

cp -R "$TEMPLATE/." "$DIR/"
sed -i "s/^name = \"my-function\"$/name = \"$NAME\"/" "$DIR/Cargo.toml"
grep -qx "name = \"$NAME\"" "$DIR/Cargo.toml" || die "could not set the package name in $DIR/Cargo.toml"
# The project's README quotes the name in its commands and URLs.
sed -i "s/my-function/$NAME/g" "$DIR/README.md"
sed -i "s/^\( *Architectures: *\)\[arm64\]/\1[$ARCH]/" "$DIR/template.yaml"
grep -q "^ *Architectures: \[$ARCH\]" "$DIR/template.yaml" || die "could not set the architecture in $DIR/template.yaml"
cat >>"$DIR/Cargo.toml" <<EOF

# Added by lambda-zero's scripts/new-function.sh: build against the checkout
# at $ROOT instead of crates.io. Delete these two lines once lambda-zero is
# published.
[patch.crates-io]
lambda-zero = { path = "$ROOT" }
EOF

cat <<EOF
new-function.sh: made $DIR (package $NAME, $ARCH), lambda-zero from $ROOT

Next, in $DIR:
  cargo lambda watch          # run locally; then, in another shell:
  cargo lambda invoke $NAME --data-file event.json   # an API Gateway v2 POST
  curl 'http://localhost:9000/lambda-url/$NAME/hello?name=Ann'
  make                        # the static musl bootstrap: target/lambda/$NAME/bootstrap
  sam build && sam deploy --guided

Tools: cargo-lambda and zig (cargo lambda build uses cargo-zigbuild), the
rust-src component (rustup component add rust-src), SAM CLI for sam; see
$DIR/README.md.
EOF
