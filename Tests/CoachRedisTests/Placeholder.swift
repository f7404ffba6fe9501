// Redis queue and bus tests (in progress)
