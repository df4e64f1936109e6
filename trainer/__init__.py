"""The trainers' tools: the review inbox of real conversations, and the training data it adds to."""
