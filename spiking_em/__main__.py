"""``python -m spiking_em`` runs the command-line interface."""
from spiking_em.cli import main

raise SystemExit(main())
