{#-
    Normalisation of ad-platform statuses and campaign goals, as plain CASE expressions
    (no seed: the mapping is code, reviewed and versioned with the models).

    Statuses -> 'active' | 'paused' | 'removed' (dim_ad_entities.status; is_deleted is
    status = 'removed'). The entity's own status, not cascaded from its ancestors.

    Goals -> 'awareness' | 'traffic' | 'leads' | 'app_installs' | 'purchases' |
             'conversions' | 'other' (dim_ad_entities.goal, accepted_values tested there).
    Every macro returns 'other' for null or unknown inputs, never null.
-#}


{#-
    Google Ads campaign / ad group / ad / keyword status:
      ENABLED -> active, REMOVED -> removed, anything else (PAUSED, UNKNOWN, ...) -> paused.
-#}
{% macro google_ads_status(status) -%}
    (case upper({{ status }})
        when 'ENABLED' then 'active'
        when 'REMOVED' then 'removed'
        else 'paused'
    end)
{%- endmacro %}


{#-
    Google Ads customer status:
      ENABLED -> active, CANCELED / CLOSED -> removed, SUSPENDED and anything else -> paused.
-#}
{% macro google_ads_customer_status(status) -%}
    (case
        when upper({{ status }}) = 'ENABLED' then 'active'
        when upper({{ status }}) in ('CANCELED', 'CANCELLED', 'CLOSED') then 'removed'
        else 'paused'
    end)
{%- endmacro %}


{#-
    Meta campaign / ad set / ad status, from the configured status (ACTIVE, PAUSED, DELETED,
    ARCHIVED), falling back to effective_status when status is null:
      DELETED / ARCHIVED -> removed, ACTIVE -> active, anything else -> paused.
-#}
{% macro meta_status(status, effective_status) -%}
    (case
        when upper(coalesce({{ status }}, {{ effective_status }})) in ('DELETED', 'ARCHIVED') then 'removed'
        when upper(coalesce({{ status }}, {{ effective_status }})) = 'ACTIVE' then 'active'
        else 'paused'
    end)
{%- endmacro %}


{#-
    Meta ad account_status (integer):
      1 ACTIVE, 9 IN_GRACE_PERIOD, 201 ANY_ACTIVE, or null -> active;
      101 CLOSED, 202 ANY_CLOSED -> removed; anything else (2 DISABLED, 3 UNSETTLED,
      7 PENDING_RISK_REVIEW, 8 PENDING_SETTLEMENT, 100 PENDING_CLOSURE, ...) -> paused.
-#}
{% macro meta_account_status(account_status) -%}
    (case
        when {{ account_status }} is null or {{ account_status }} in (1, 9, 201) then 'active'
        when {{ account_status }} in (101, 202) then 'removed'
        else 'paused'
    end)
{%- endmacro %}


{#-
    Google Ads campaign goal from advertising_channel_type and bidding_strategy_type; the
    first matching rule wins. Ad groups and ads inherit their campaign's goal; accounts are
    'other'.

      1. channel MULTI_CHANNEL (App campaigns)                               -> app_installs
      2. channel SHOPPING, HOTEL, TRAVEL                                    -> purchases
      3. bidding TARGET_ROAS, MAXIMIZE_CONVERSION_VALUE (value-based)       -> purchases
      4. channel LOCAL_SERVICES                                             -> leads
      5. bidding TARGET_CPA, MAXIMIZE_CONVERSIONS, MANUAL_CPA               -> conversions
      6. bidding TARGET_IMPRESSION_SHARE, TARGET_CPM, MANUAL_CPM, MANUAL_CPV,
         TARGET_CPV                                                         -> awareness
      7. bidding TARGET_SPEND (Maximize clicks), MANUAL_CPC, ENHANCED_CPC,
         PERCENT_CPC                                                        -> traffic
      8. channel PERFORMANCE_MAX, SMART, DEMAND_GEN, DISCOVERY, LOCAL       -> conversions
      9. channel VIDEO, DISPLAY (no bidding rule above matched)            -> awareness
     10. anything else (incl. null / UNKNOWN)                               -> other
-#}
{% macro google_ads_goal(advertising_channel_type, bidding_strategy_type) -%}
    (case
        when upper({{ advertising_channel_type }}) = 'MULTI_CHANNEL'
            then 'app_installs'
        when upper({{ advertising_channel_type }}) in ('SHOPPING', 'HOTEL', 'TRAVEL')
            then 'purchases'
        when upper({{ bidding_strategy_type }}) in ('TARGET_ROAS', 'MAXIMIZE_CONVERSION_VALUE')
            then 'purchases'
        when upper({{ advertising_channel_type }}) = 'LOCAL_SERVICES'
            then 'leads'
        when upper({{ bidding_strategy_type }}) in ('TARGET_CPA', 'MAXIMIZE_CONVERSIONS', 'MANUAL_CPA')
            then 'conversions'
        when upper({{ bidding_strategy_type }}) in
                ('TARGET_IMPRESSION_SHARE', 'TARGET_CPM', 'MANUAL_CPM', 'MANUAL_CPV', 'TARGET_CPV')
            then 'awareness'
        when upper({{ bidding_strategy_type }}) in ('TARGET_SPEND', 'MANUAL_CPC', 'ENHANCED_CPC', 'PERCENT_CPC')
            then 'traffic'
        when upper({{ advertising_channel_type }}) in
                ('PERFORMANCE_MAX', 'SMART', 'DEMAND_GEN', 'DISCOVERY', 'LOCAL')
            then 'conversions'
        when upper({{ advertising_channel_type }}) in ('VIDEO', 'DISPLAY')
            then 'awareness'
        else 'other'
    end)
{%- endmacro %}


{#-
    Meta campaign goal from the campaign objective (ODAX outcomes and legacy objectives):

      OUTCOME_SALES, PRODUCT_CATALOG_SALES                    -> purchases
      CONVERSIONS (legacy)                                    -> conversions
      OUTCOME_LEADS, LEAD_GENERATION                          -> leads
      OUTCOME_APP_PROMOTION, APP_INSTALLS                     -> app_installs
      OUTCOME_TRAFFIC, LINK_CLICKS                            -> traffic
      OUTCOME_AWARENESS, BRAND_AWARENESS, REACH, VIDEO_VIEWS  -> awareness
      anything else (OUTCOME_ENGAGEMENT, POST_ENGAGEMENT, MESSAGES, PAGE_LIKES,
      EVENT_RESPONSES, STORE_VISITS, null, ...)               -> other
-#}
{% macro meta_objective_goal(objective) -%}
    (case
        when upper({{ objective }}) in ('OUTCOME_SALES', 'PRODUCT_CATALOG_SALES') then 'purchases'
        when upper({{ objective }}) = 'CONVERSIONS' then 'conversions'
        when upper({{ objective }}) in ('OUTCOME_LEADS', 'LEAD_GENERATION') then 'leads'
        when upper({{ objective }}) in ('OUTCOME_APP_PROMOTION', 'APP_INSTALLS') then 'app_installs'
        when upper({{ objective }}) in ('OUTCOME_TRAFFIC', 'LINK_CLICKS') then 'traffic'
        when upper({{ objective }}) in ('OUTCOME_AWARENESS', 'BRAND_AWARENESS', 'REACH', 'VIDEO_VIEWS')
            then 'awareness'
        else 'other'
    end)
{%- endmacro %}


{#-
    Meta ad set goal: what the ad set optimises for (optimization_goal) when that says
    something specific, else its campaign's goal (campaign_goal, an SQL expression that
    already holds meta_objective_goal(objective)). Ads inherit their ad set's goal.

      VALUE                                                   -> purchases
      OFFSITE_CONVERSIONS                                     -> purchases under a purchases
                                                                 campaign, else conversions
      LEAD_GENERATION, QUALITY_LEAD                           -> leads
      APP_INSTALLS, APP_INSTALLS_AND_OFFSITE_CONVERSIONS      -> app_installs
      LINK_CLICKS, LANDING_PAGE_VIEWS                         -> traffic
      IMPRESSIONS, REACH, THRUPLAY, AD_RECALL_LIFT            -> awareness
      anything else (POST_ENGAGEMENT, CONVERSATIONS, null, ...) -> campaign_goal
-#}
{% macro meta_adset_goal(optimization_goal, campaign_goal) -%}
    (case
        when upper({{ optimization_goal }}) = 'VALUE' then 'purchases'
        when upper({{ optimization_goal }}) = 'OFFSITE_CONVERSIONS' then
            case when ({{ campaign_goal }}) = 'purchases' then 'purchases' else 'conversions' end
        when upper({{ optimization_goal }}) in ('LEAD_GENERATION', 'QUALITY_LEAD') then 'leads'
        when upper({{ optimization_goal }}) in ('APP_INSTALLS', 'APP_INSTALLS_AND_OFFSITE_CONVERSIONS')
            then 'app_installs'
        when upper({{ optimization_goal }}) in ('LINK_CLICKS', 'LANDING_PAGE_VIEWS') then 'traffic'
        when upper({{ optimization_goal }}) in ('IMPRESSIONS', 'REACH', 'THRUPLAY', 'AD_RECALL_LIFT')
            then 'awareness'
        else coalesce({{ campaign_goal }}, 'other')
    end)
{%- endmacro %}


{#-
    TikTok campaign / ad group / ad status, from operation_status (ENABLE, DISABLE) and
    secondary_status (CAMPAIGN_STATUS_DELETE, ADGROUP_STATUS_DELETE, AD_STATUS_DELETE, ...):
      a *_STATUS_DELETE secondary status -> removed, ENABLE -> active, anything else -> paused.
-#}
{% macro tiktok_ads_status(operation_status, secondary_status) -%}
    (case
        when upper({{ secondary_status }}) like '%STATUS_DELETE' then 'removed'
        when upper({{ operation_status }}) = 'ENABLE' then 'active'
        else 'paused'
    end)
{%- endmacro %}


{#-
    TikTok advertiser status: STATUS_ENABLE or null -> active; STATUS_DISABLE, closed or
    anything else (under review, limited, ...) -> paused.
-#}
{% macro tiktok_ads_advertiser_status(status) -%}
    (case
        when {{ status }} is null or upper({{ status }}) = 'STATUS_ENABLE' then 'active'
        else 'paused'
    end)
{%- endmacro %}


{#-
    TikTok campaign goal from objective_type; ad groups and ads inherit their campaign's:

      PRODUCT_SALES, CATALOG_SALES, SHOP_PURCHASES              -> purchases
      WEB_CONVERSIONS, CONVERSIONS                               -> conversions
      LEAD_GENERATION                                            -> leads
      APP_PROMOTION, APP_INSTALL                                 -> app_installs
      TRAFFIC                                                    -> traffic
      REACH, RF_REACH, VIDEO_VIEWS, ENGAGEMENT                   -> awareness
      anything else (null included)                              -> other
-#}
{% macro tiktok_ads_objective_goal(objective_type) -%}
    (case
        when upper({{ objective_type }}) in ('PRODUCT_SALES', 'CATALOG_SALES', 'SHOP_PURCHASES') then 'purchases'
        when upper({{ objective_type }}) in ('WEB_CONVERSIONS', 'CONVERSIONS') then 'conversions'
        when upper({{ objective_type }}) = 'LEAD_GENERATION' then 'leads'
        when upper({{ objective_type }}) in ('APP_PROMOTION', 'APP_INSTALL') then 'app_installs'
        when upper({{ objective_type }}) = 'TRAFFIC' then 'traffic'
        when upper({{ objective_type }}) in ('REACH', 'RF_REACH', 'VIDEO_VIEWS', 'ENGAGEMENT') then 'awareness'
        else 'other'
    end)
{%- endmacro %}
