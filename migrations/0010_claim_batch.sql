-- 0010: claims for several agents in one round trip. Each request claims in turn, seeing the
-- claims made before it in the same call, so no task goes to two agents; SKIP LOCKED keeps
-- concurrent calls from waiting on each other. claimNext is this function with one request.
-- Returns the claimed rows as `tasks`, so a column added to tasks comes back without a change
-- here. The task.claimed events are written by the calling statement (task-leases.ts).

CREATE OR REPLACE FUNCTION agentops_claim_tasks(requests jsonb, lease_seconds double precision)
RETURNS TABLE (claim_n integer, claimed tasks)
LANGUAGE plpgsql
-- Planned once per connection: the plan below holds for every request (the '{}' test and the
-- ARRAY() keep its estimates sane without the values), and planning it each call cost more
-- than running it.
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    r record;
    caps text[];
BEGIN
    FOR r IN
        SELECT * FROM jsonb_to_recordset(requests)
            AS x(n integer, agent text, capabilities text[], projects uuid[], lim integer)
        ORDER BY x.n
    LOOP
        -- No capabilities given: the agent's registered ones. An unknown agent claims nothing.
        caps := coalesce(r.capabilities, (SELECT a.capabilities FROM agents a WHERE a.name = r.agent));
        CONTINUE WHEN caps IS NULL;
        RETURN QUERY
        UPDATE tasks SET status = 'in_progress', claimed_by = r.agent, claimed_at = now(),
            lease_expires_at = now() + make_interval(secs => lease_seconds),
            claim_token = gen_random_uuid(), attempts = tasks.attempts + 1,
            started_at = coalesce(tasks.started_at, now())
        WHERE tasks.status = 'pending' AND tasks.id = ANY (ARRAY(
            SELECT c.id FROM tasks c
            WHERE c.status = 'pending'
              AND (c.assigned_to IS NULL OR c.assigned_to = r.agent)
              -- The '{}' test is for the planner: most tasks need nothing, which it can see.
              AND (c.required_capabilities = '{}' OR c.required_capabilities <@ caps)
              AND (r.projects IS NULL OR c.project_id = ANY (r.projects))
              -- tasks of paused or cancelled projects wait
              AND NOT EXISTS (SELECT 1 FROM projects p
                              WHERE p.id = c.project_id AND p.status IN ('paused', 'cancelled'))
            ORDER BY c.priority DESC, c.created_at
            LIMIT r.lim
            FOR UPDATE OF c SKIP LOCKED))
        RETURNING r.n, tasks;
    END LOOP;
END
$$;
