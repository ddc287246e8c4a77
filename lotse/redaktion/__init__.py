"""Editors' tools: record templates (`lotse neu`), mechanical fixes (`lotse validate --fix`)
and the field reference generated from the schemas."""
