"""The map's rules, pure: the document model, order keys, roles and what each may do, the
limits of one map, who added what, and the shape of invitation links."""
