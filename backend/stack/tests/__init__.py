"""Tests of the local process stack: supervisor, Redis and the end-to-end runner."""
