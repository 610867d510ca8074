-- 0017: what finished lately, by an index. The web's first screen and its agents page (both
-- fetched again on every burst of events while open) and the briefing each asked for the
-- tasks completed since a moment, and read every completed task there ever was to find them:
-- 0.1 s a look at 300,000 tasks. Only a completion writes an entry here.
CREATE INDEX IF NOT EXISTS idx_tasks_completed_at ON tasks (completed_at) WHERE status = 'completed';
