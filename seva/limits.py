"""How much of each thing a citizen gives Seva keeps: the tables are this wide, and the conversation cuts (and
shows the citizen) what is longer before anything reaches the database."""

MAX_PLACE = 200  # a locality's name, or the place the citizen typed
MAX_LANDMARK = 300
MAX_DESCRIPTION = 4000
MAX_PHOTO_LINK = 1000
