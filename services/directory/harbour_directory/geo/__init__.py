"""Places and distances: the offline gazetteer, configurable geocoding, geodesic distance."""
