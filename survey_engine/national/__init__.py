"""The national room: the national index across provinces (one wave per province, stacked)."""
