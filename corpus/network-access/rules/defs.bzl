"""Public API of the fixture's packaging rules."""

load("//rules/private:mirror.bzl", _git_mirror = "git_mirror", _provider_mirror = "provider_mirror")
load("//rules/private:testing.bzl", _chart_test = "chart_test", _deps_test = "deps_test", _publish = "publish")
load("//rules/private:vendor.bzl", _go_vendor = "go_vendor", _node_modules = "node_modules", _py_wheelhouse = "py_wheelhouse")

chart_test = _chart_test
deps_test = _deps_test
git_mirror = _git_mirror
go_vendor = _go_vendor
node_modules = _node_modules
provider_mirror = _provider_mirror
publish = _publish
py_wheelhouse = _py_wheelhouse
