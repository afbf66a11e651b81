"""Test harness: real ZooKeeper servers started the way zkcontainer starts them."""
