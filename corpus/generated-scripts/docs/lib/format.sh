# Formats the files of the workspace it is given.
cd "$BUILD_WORKSPACE_DIRECTORY"  # ok: workspace-dir
find . -name "*.md" -newer index.html
