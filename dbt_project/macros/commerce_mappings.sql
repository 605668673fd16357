{#-
    Marketing channel of a touch (a pixel touchpoint or an order's own landing URL), as one
    CASE expression; the first matching rule wins. All string inputs are SQL expressions;
    utm_source / utm_medium are compared lower-cased and trimmed.

      1. resolved to an ad entity            -> its platform ('google_ads' | 'meta' | 'tiktok_ads')
      2. gclid                               -> google_ads
      3. fbclid                              -> meta
      4. ttclid                              -> tiktok_ads
      5. utm_medium email / e-mail / newsletter, or utm_source newsletter / email / klaviyo /
         mailchimp                           -> email
      6. utm_source google / adwords / youtube with a paid utm_medium      -> google_ads
      7. utm_source facebook / fb / instagram / ig / meta with a paid utm_medium -> meta
      8. any other paid utm_medium           -> other_paid
      9. any other utm_* present             -> other_campaign
     10. a referrer on another host          -> organic (unpaid arrival from a search engine,
                                                social network or any other site)
     11. anything else                       -> direct

    Paid utm_medium values: cpc, ppc, paid, paid_social, paid-social, paidsocial, social_paid,
    paid_search, paidsearch, cpm, cpv, display.
    Every value is listed in the accepted_values tests of fct_touchpoints.channel and
    fct_order_attribution.channel.
-#}
{% macro marketing_channel(entity_platform, gclid, fbclid, ttclid, utm_source, utm_medium, has_utm,
                           referrer_is_external) -%}
    {%- set paid_media = "('cpc', 'ppc', 'paid', 'paid_social', 'paid-social', 'paidsocial', 'social_paid', "
                         ~ "'paid_search', 'paidsearch', 'cpm', 'cpv', 'display')" -%}
    (case
        when {{ entity_platform }} is not null then {{ entity_platform }}
        when {{ gclid }} is not null then 'google_ads'
        when {{ fbclid }} is not null then 'meta'
        when {{ ttclid }} is not null then 'tiktok_ads'
        when lower(btrim({{ utm_medium }})) in ('email', 'e-mail', 'newsletter')
          or lower(btrim({{ utm_source }})) in ('newsletter', 'email', 'klaviyo', 'mailchimp')
            then 'email'
        when lower(btrim({{ utm_source }})) in ('google', 'adwords', 'youtube')
         and lower(btrim({{ utm_medium }})) in {{ paid_media }}
            then 'google_ads'
        when lower(btrim({{ utm_source }})) in ('facebook', 'fb', 'instagram', 'ig', 'meta')
         and lower(btrim({{ utm_medium }})) in {{ paid_media }}
            then 'meta'
        when lower(btrim({{ utm_medium }})) in {{ paid_media }} then 'other_paid'
        when {{ has_utm }} then 'other_campaign'
        when {{ referrer_is_external }} then 'organic'
        else 'direct'
    end)
{%- endmacro %}


{#-
    The ad platform a touch's own tags point to, used only to break ties between equally good
    entity matches (a campaign id or name that exists on both Google and Meta):
      gclid, or utm_source google / adwords / youtube       -> google_ads
      fbclid, or utm_source facebook / fb / instagram / ig / meta -> meta
      ttclid, or utm_source tiktok                           -> tiktok_ads
      else null.
-#}
{% macro ad_platform_hint(gclid, fbclid, utm_source, ttclid='null::text') -%}
    (case
        when {{ gclid }} is not null
          or lower(btrim({{ utm_source }})) in ('google', 'adwords', 'youtube') then 'google_ads'
        when {{ fbclid }} is not null
          or lower(btrim({{ utm_source }})) in ('facebook', 'fb', 'instagram', 'ig', 'meta') then 'meta'
        when {{ ttclid }} is not null
          or lower(btrim({{ utm_source }})) = 'tiktok' then 'tiktok_ads'
    end)
{%- endmacro %}


{#-
    Host of a URL, lower-cased, without a leading "www."; null when the text has no
    scheme://host part. url_host('https://www.Shop.com/a?b') -> 'shop.com'.
-#}
{% macro url_host(url) -%}
    regexp_replace(lower(substring({{ url }} from '^[A-Za-z][A-Za-z0-9+.-]*://([^/:?#]+)')), '^www\.', '')
{%- endmacro %}


{#-
    Weights of the attribution models for one touch of a conversion, as one CASE over
    `model` (a column or literal holding the model name). Inputs are SQL expressions:
      position     1 .. n in time order        n                  touchpoint count
      first_share  position_based first weight  last_share         position_based last weight
      decay_raw    2 ^ (-days_before_conversion / half_life) of this touch
      decay_total  the sum of decay_raw over the conversion's n touches
    Returns the unrounded weight:
      first_touch     1 at position 1, else 0
      last_touch      1 at position n, else 0
      linear          1 / n
      position_based  n = 1: 1; n = 2: first_share / (first_share + last_share) at position 1
                      and last_share / (first_share + last_share) at position 2 (0.5 / 0.5
                      when both shares are 0); n >= 3: first_share at 1, last_share at n, the
                      rest (1 - first_share - last_share) split evenly over positions 2 .. n-1
      time_decay      decay_raw / decay_total
      markov          markov_raw / markov_total (markov_raw: the channel's removal effect / the
                      conversion's touches of that channel); 1 / n when markov_total is 0 or null
-#}
{% macro attribution_weight(model, position, n, first_share, last_share, decay_raw, decay_total,
                            markov_raw, markov_total) -%}
    (case {{ model }}
        when 'first_touch' then case when {{ position }} = 1 then 1::numeric else 0::numeric end
        when 'last_touch' then case when {{ position }} = {{ n }} then 1::numeric else 0::numeric end
        when 'linear' then 1::numeric / {{ n }}
        when 'position_based' then
            case
                when {{ n }} = 1 then 1::numeric
                when {{ n }} = 2 then
                    case
                        when ({{ first_share }}) + ({{ last_share }}) = 0 then 0.5::numeric
                        when {{ position }} = 1
                            then ({{ first_share }})::numeric / (({{ first_share }}) + ({{ last_share }}))
                        else ({{ last_share }})::numeric / (({{ first_share }}) + ({{ last_share }}))
                    end
                when {{ position }} = 1 then ({{ first_share }})::numeric
                when {{ position }} = {{ n }} then ({{ last_share }})::numeric
                else (1 - ({{ first_share }}) - ({{ last_share }}))::numeric / ({{ n }} - 2)
            end
        when 'time_decay' then ({{ decay_raw }})::numeric / ({{ decay_total }})
        when 'markov' then
            case
                when coalesce({{ markov_total }}, 0) > 0
                    then ({{ markov_raw }})::numeric / ({{ markov_total }})
                else 1::numeric / {{ n }}
            end
    end)
{%- endmacro %}
