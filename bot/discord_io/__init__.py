"""Small pieces that each own one kind of Discord I/O, each handed only what it needs."""
