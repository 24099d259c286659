"""Sign-in cards: a printed QR code that signs a young student in on a shared device."""
