"""Pollution-source registry: enterprises, outlets, monitoring devices (HJ 212 MN) and limits."""
