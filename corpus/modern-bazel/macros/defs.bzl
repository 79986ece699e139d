"""A symbolic macro, a finalizer and a legacy macro that makes targets in a comprehension."""

def _fetched_file_impl(name, visibility, url, out):
    native.genrule(
        name = name + "_fetch",
        outs = [out],
        cmd = "wget -q -O $@ " + url,  # expect: ambient-tool, network-access
        visibility = visibility,
    )

fetched_file = macro(
    implementation = _fetched_file_impl,
    attrs = {
        "url": attr.string(mandatory = True, configurable = False),
        "out": attr.string(default = "download.bin", configurable = False),
    },
)

def _inventory_impl(name, visibility):
    names = [rule["name"] for rule in native.existing_rules().values()]
    native.genrule(
        name = name,
        outs = [name + ".txt"],
        cmd = "echo %d targets > $@" % len(names),
        visibility = visibility,
    )

package_inventory = macro(implementation = _inventory_impl, finalizer = True)

def schema_dumps(name, schemas):
    [
        native.genrule(
            name = name + "/" + schema,
            outs = [name + "/" + schema + ".json"],
            cmd = "{tool} --dump {src} > $@".format(tool = "flatc", src = schema),  # expect: ambient-tool
        )
        for schema in schemas
    ]

def mirrors(name, sources):
    [
        native.genrule(
            name = "%s_%s" % (name, key),
            outs = [key + ".tar"],
            cmd = "pax -w -f $@ %s" % path,  # expect: ambient-tool
        )
        for key, path in sources.items()
    ]

def replicas(name, count):
    for index in range(count):
        native.genrule(
            name = "{}_{}".format(name, index),
            outs = ["{}_{}.txt".format(name, index)],
            cmd = "echo replica > $@",
        )
