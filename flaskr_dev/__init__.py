"""Development helpers behind `make run`: they start processes; the app never imports them."""
