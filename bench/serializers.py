"""An orjson serializer for channels_redis (BENCH_SERIALIZER=orjson), for the layer comparison."""

from __future__ import annotations

from typing import Any

import orjson
from channels_redis.serializers import BaseMessageSerializer, registry


class OrjsonSerializer(BaseMessageSerializer):  # type: ignore[misc]
    def as_bytes(self, message: Any, *args: Any, **kwargs: Any) -> bytes:
        return orjson.dumps(message)

    def from_bytes(self, message: bytes, *args: Any, **kwargs: Any) -> Any:
        return orjson.loads(message)


registry.register_serializer("orjson", OrjsonSerializer)
