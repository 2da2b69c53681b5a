from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="TaskPatch")


@_attrs_define
class TaskPatch:
    """Fields left out are unchanged; `description: null` clears it.

    Attributes:
        title (str | Unset): 1..200 characters once surrounding white space is trimmed (the API trims it); not blank; no
            NUL character.
        description (None | str | Unset):
        done (bool | Unset):
        tags (list[str] | Unset): Duplicates are merged; the response lists them sorted.
    """

    title: str | Unset = UNSET
    description: None | str | Unset = UNSET
    done: bool | Unset = UNSET
    tags: list[str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        title = self.title

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        done = self.done

        tags: list[str] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = self.tags

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if title is not UNSET:
            field_dict["title"] = title
        if description is not UNSET:
            field_dict["description"] = description
        if done is not UNSET:
            field_dict["done"] = done
        if tags is not UNSET:
            field_dict["tags"] = tags

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        title = d.pop("title", UNSET)

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        done = d.pop("done", UNSET)

        tags = cast(list[str], d.pop("tags", UNSET))

        task_patch = cls(
            title=title,
            description=description,
            done=done,
            tags=tags,
        )

        return task_patch
