-- build/: the container images a runner has locally (it reports them when it registers), for
-- ListCuratedEnvironmentImages.
ALTER TABLE runners ADD COLUMN images TEXT NOT NULL DEFAULT '[]';
