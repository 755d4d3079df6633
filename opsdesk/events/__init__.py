"""Payment events: the model, decoders for the shapes on the bus, and card-number masking."""
