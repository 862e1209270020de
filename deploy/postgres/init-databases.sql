-- Runs once, when the postgres service starts on an empty volume: the databases Temporal keeps its state and its
-- visibility records in. Their schemas are then set up (and upgraded) by the temporal-schema job.
CREATE DATABASE temporal;
CREATE DATABASE temporal_visibility;
