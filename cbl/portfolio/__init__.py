"""Portfolio: entries (notes, photos, links, reflections), their revisions and images."""
