"""LSOA reference tables: LSOA → 2013 upper-tier LA, IMD 2015 deciles both ways, populations."""
