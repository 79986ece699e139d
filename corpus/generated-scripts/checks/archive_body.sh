# The header defines $lister.
"$lister" archive.zip | grep -q README
unzip -l archive.zip > /dev/null  # expect: ambient-tool
