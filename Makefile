# lambda-zero: build and deploy targets. The real work is in scripts/.
#
#   make bootstrap        target/lambda/bootstrap/{bootstrap,bootstrap.zip} (arm64, static)
#   make bootstrap LAMBDA_ZERO_ARCH=x86_64
#   make deploy-check     sam validate --lint + sam build, offline (scripts/deploy-check.sh)
#   make size-compare     the dynamic/static/profile measurements (scripts/size-compare.sh)
#
# `sam build` (BuildMethod: makefile in template.yaml) runs `make build-LambdaZeroFunction`
# with ARTIFACTS_DIR set. It does not pass the template's Architecture parameter, so the
# architecture comes from LAMBDA_ZERO_ARCH, default arm64 like the template's default:
#   sam build                                                   # arm64
#   LAMBDA_ZERO_ARCH=x86_64 sam build --parameter-overrides Architecture=x86_64

LAMBDA_ZERO_ARCH ?= arm64
LAMBDA_ZERO_FLAVOUR ?= static

.PHONY: help build-LambdaZeroFunction bootstrap deploy-check size-compare

help:
	@sed -n '1,/^$$/s/^# \{0,1\}//p' Makefile

build-LambdaZeroFunction:
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set (sam build sets it)" >&2; exit 1; }
	scripts/build.sh --arch "$(LAMBDA_ZERO_ARCH)" --flavour "$(LAMBDA_ZERO_FLAVOUR)" --out "$(ARTIFACTS_DIR)"

# The extension layer (LoggerExtensionLayer in template.yaml), built by `sam build` like the
# function: ARTIFACTS_DIR/extensions/extension_logger, /opt/extensions/ in Lambda, static musl.
#   make extension-layer  the same into target/lambda/extension-layer (LAMBDA_ZERO_ARCH, arm64)
.PHONY: build-LoggerExtensionLayer extension-layer
build-LoggerExtensionLayer:
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set (sam build sets it)" >&2; exit 1; }
	scripts/build-extension.sh --arch "$(LAMBDA_ZERO_ARCH)" --example extension_logger --out "$(ARTIFACTS_DIR)"

extension-layer:
	scripts/build-extension.sh --arch "$(LAMBDA_ZERO_ARCH)" --example extension_logger --out target/lambda/extension-layer

bootstrap:
	scripts/build.sh --arch "$(LAMBDA_ZERO_ARCH)" --flavour "$(LAMBDA_ZERO_FLAVOUR)"

deploy-check:
	scripts/deploy-check.sh

size-compare:
	scripts/size-compare.sh
