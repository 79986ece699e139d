#!/usr/bin/env python3
"""Prints a build stamp; run as the //gen:stamp sh_binary."""

import time

print(time.strftime("%Y-%m-%d", time.gmtime(0)))
