"""Records -> JSON Feed pages (all partners and per partner); later Atom and search."""
