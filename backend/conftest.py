"""Fixtures shared by every suite: users and API clients."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient


@pytest.fixture
def user(db: None) -> User:
    return User.objects.create_user("ana", password="ana-password-1")


@pytest.fixture
def other_user(db: None) -> User:
    return User.objects.create_user("bob", password="bob-password-1")


@pytest.fixture
def staff_user(db: None) -> User:
    return User.objects.create_user("sam", password="sam-password-1", is_staff=True)


@pytest.fixture
def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def anonymous_api() -> APIClient:
    return APIClient()
