"""Soil: surveys, plots, sampling points, samples and results; classification per GB 15618 and
GB 36600 (:mod:`qingshan.standards.gb15618`, :mod:`qingshan.standards.gb36600`)."""
