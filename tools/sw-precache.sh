#!/bin/sh
# Trunk post_build hook: writes this build's file list and a content hash into sw.js, so the
# service worker precaches exactly the files of this build (Trunk's hashed names) and a new
# build gets a new cache.
set -eu
dir="${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}"
cd "$dir"
files=$(find . -type f ! -name sw.js | sed 's|^\./|/|' | LC_ALL=C sort)
build=$(for f in $files; do sha256sum ".$f"; done | sha256sum | cut -c1-16)
list=$(for f in $files; do printf '"%s",' "$f"; done)
list="[${list%,}]"
sed -i -e "s|__DAICHO_BUILD__|$build|" -e "s|__DAICHO_PRECACHE__|$list|" sw.js
echo "sw-precache: build $build, $(echo "$files" | wc -l) files"
