#!/usr/bin/env ruby  # expect: ambient-tool
# Table of contents for the docs and the site.
puts ARGV.join("\n")
