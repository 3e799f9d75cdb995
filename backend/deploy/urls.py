"""Seed-shaped URLs kept for scripts written against the first deploy module."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
