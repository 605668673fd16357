-- dim_ad_entities forms one tree per account, with each platform's levels in order:
--   google_ads     account > campaign > ad_group > ad
--   meta           account > campaign > ad_set > ad
--   tiktok_ads     account > campaign > ad_group > ad
--   media_partner  client > campaign > strategy > placement > creative
--   amazon_ads     account > portfolio > campaign > ad_group > keyword
--   affiliate      account > campaign > product
-- Checks, per entity: its level is one of its platform's; a top-level entity has no parent
-- and is its own account; any other entity's parent exists, is on the same platform and the
-- level just above, and shares its account, workspace, client, currency and timezone;
-- account_entity_id names a top-level entity; campaign_entity_id is itself on a campaign,
-- null above (an Amazon portfolio sits between account and campaign), its parent's below; the timezone is one Postgres knows.
-- Returns one row per entity and problem.

with

entities as (

    select * from {{ ref('dim_ad_entities') }}

),

levels (platform, level, depth) as (

    values
        ('google_ads', 'account', 1), ('google_ads', 'campaign', 2),
        ('google_ads', 'ad_group', 3), ('google_ads', 'ad', 4),
        ('meta', 'account', 1), ('meta', 'campaign', 2),
        ('meta', 'ad_set', 3), ('meta', 'ad', 4),
        ('tiktok_ads', 'account', 1), ('tiktok_ads', 'campaign', 2),
        ('tiktok_ads', 'ad_group', 3), ('tiktok_ads', 'ad', 4),
        ('media_partner', 'client', 1), ('media_partner', 'campaign', 2),
        ('media_partner', 'strategy', 3), ('media_partner', 'placement', 4),
        ('media_partner', 'creative', 5),
        ('amazon_ads', 'account', 1), ('amazon_ads', 'portfolio', 2),
        ('amazon_ads', 'campaign', 3), ('amazon_ads', 'ad_group', 4),
        ('amazon_ads', 'keyword', 5),
        ('affiliate', 'account', 1), ('affiliate', 'campaign', 2), ('affiliate', 'product', 3)

),

joined as (

    select
        e.*,
        l.depth,
        cl.depth                    as campaign_depth,
        p.entity_id                 as p_entity_id,
        p.platform                  as p_platform,
        pl.depth                    as p_depth,
        p.account_entity_id         as p_account_entity_id,
        p.campaign_entity_id        as p_campaign_entity_id,
        p.workspace_slug            as p_workspace_slug,
        p.client_slug               as p_client_slug,
        p.currency                  as p_currency,
        p.timezone                  as p_timezone,
        a.entity_id                 as a_entity_id,
        al.depth                    as a_depth

    from entities as e
    left join levels as l
        on l.platform = e.platform and l.level = e.level
    left join levels as cl
        on cl.platform = e.platform and cl.level = 'campaign'
    left join entities as p
        on p.entity_id = e.parent_entity_id
    left join levels as pl
        on pl.platform = p.platform and pl.level = p.level
    left join entities as a
        on a.entity_id = e.account_entity_id
    left join levels as al
        on al.platform = a.platform and al.level = a.level

),

problems as (

    select entity_id, platform, level, 'level is not one of its platform''s' as problem
    from joined where depth is null

    union all
    select entity_id, platform, level, 'top-level entity has a parent or is not its own account'
    from joined where depth = 1 and (parent_entity_id is not null or account_entity_id is distinct from entity_id)

    union all
    select entity_id, platform, level, 'parent missing'
    from joined where depth > 1 and p_entity_id is null

    union all
    select entity_id, platform, level, 'parent not on the same platform, one level up'
    from joined where depth > 1 and p_entity_id is not null
        and (p_platform is distinct from platform or p_depth is distinct from depth - 1)

    union all
    select entity_id, platform, level, 'account / tenant / currency / timezone differ from the parent''s'
    from joined where depth > 1 and p_entity_id is not null
        and (account_entity_id is distinct from p_account_entity_id
             or workspace_slug is distinct from p_workspace_slug
             or client_slug is distinct from p_client_slug
             or currency is distinct from p_currency
             or timezone is distinct from p_timezone)

    union all
    select entity_id, platform, level, 'account_entity_id is not a top-level entity'
    from joined where a_entity_id is null or a_depth is distinct from 1

    union all
    select entity_id, platform, level, 'campaign_entity_id is wrong for the level'
    from joined
    where (depth < campaign_depth and campaign_entity_id is not null)
       or (depth = campaign_depth and campaign_entity_id is distinct from entity_id)
       or (depth > campaign_depth and campaign_entity_id is distinct from p_campaign_entity_id)

    union all
    select entity_id, platform, level, 'timezone unknown to Postgres: ' || coalesce(timezone, 'null')
    from joined
    where not exists (select 1 from pg_catalog.pg_timezone_names as z where z.name = joined.timezone)

)

select * from problems
