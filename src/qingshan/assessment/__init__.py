"""The assessment engine service (assessment-bulletin.md §2): schemes as data, inputs, results."""
