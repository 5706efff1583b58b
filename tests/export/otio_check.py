#!/usr/bin/env python3
"""A small OpenTimelineIO reader for the tests (OpenTimelineIO itself is not packaged for
Debian 12). It resolves every OTIO_SCHEMA against the schemas OpenTimelineIO 0.15-0.18 writes,
checks each one's required fields and types, and lays out every track: items (clips, gaps,
nested compositions) are placed end to end, transitions must sit between items and fit their
neighbours. Prints a JSON summary of the timeline on stdout; on any error prints
"otio_check: <where>: <reason>" on stderr and exits 1.

usage: otio_check.py FILE.otio
"""
import json
import math
import sys

KNOWN = {
    "Timeline.1", "Stack.1", "Track.1", "Clip.1", "Clip.2", "Gap.1", "Transition.1",
    "ExternalReference.1", "MissingReference.1", "ImageSequenceReference.1",
    "GeneratorReference.1", "Marker.1", "Marker.2", "RationalTime.1", "TimeRange.1",
    "TimeTransform.1", "Effect.1", "LinearTimeWarp.1", "FreezeFrame.1",
    "SerializableCollection.1", "Box2d.1", "V2d.1",
}
ITEMS = {"Clip.1", "Clip.2", "Gap.1", "Stack.1", "Track.1"}


class Bad(Exception):
    pass


def need(obj, key, where, kinds=None):
    if key not in obj:
        raise Bad(f"{where}: missing '{key}'")
    value = obj[key]
    if kinds is not None and not isinstance(value, kinds):
        raise Bad(f"{where}: '{key}' has the wrong type ({type(value).__name__})")
    return value


def number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def rational_time(o, where):
    if not isinstance(o, dict) or o.get("OTIO_SCHEMA") != "RationalTime.1":
        raise Bad(f"{where}: not a RationalTime.1")
    rate, value = o.get("rate"), o.get("value")
    if not number(rate) or rate <= 0:
        raise Bad(f"{where}: rate {rate!r} is not a positive number")
    if not number(value):
        raise Bad(f"{where}: value {value!r} is not a number")
    return value / rate, rate  # seconds, rate


def time_range(o, where):
    if not isinstance(o, dict) or o.get("OTIO_SCHEMA") != "TimeRange.1":
        raise Bad(f"{where}: not a TimeRange.1")
    start, rate = rational_time(need(o, "start_time", where), where + ".start_time")
    duration, _ = rational_time(need(o, "duration", where), where + ".duration")
    if duration < 0:
        raise Bad(f"{where}: negative duration")
    return start, duration, rate


def check_schema(o, where):
    """Validates one schema object's own fields (children are visited separately)."""
    schema = o["OTIO_SCHEMA"]
    if schema not in KNOWN:
        raise Bad(f"{where}: unknown schema {schema}")
    if schema == "Timeline.1":
        need(o, "tracks", where, dict)
    elif schema in ("Stack.1", "Track.1"):
        need(o, "children", where, list)
        if schema == "Track.1":
            need(o, "kind", where, str)
    elif schema == "Clip.1":
        if o.get("media_reference") is not None and not isinstance(o["media_reference"], dict):
            raise Bad(f"{where}: media_reference is not an object")
    elif schema == "Clip.2":
        refs = need(o, "media_references", where, dict)
        key = need(o, "active_media_reference_key", where, str)
        if key not in refs:
            raise Bad(f"{where}: active_media_reference_key {key!r} names no media reference")
    elif schema == "Gap.1":
        need(o, "source_range", where, dict)
    elif schema == "Transition.1":
        need(o, "transition_type", where, str)
        for k in ("in_offset", "out_offset"):
            t, _ = rational_time(need(o, k, where), f"{where}.{k}")
            if t < 0:
                raise Bad(f"{where}: negative {k}")
    elif schema == "ExternalReference.1":
        need(o, "target_url", where, str)
    elif schema in ("Marker.1", "Marker.2"):
        time_range(need(o, "marked_range", where), where + ".marked_range")
    elif schema == "RationalTime.1":
        rational_time(o, where)
    elif schema == "TimeRange.1":
        time_range(o, where)


def visit(o, where, counts):
    if isinstance(o, dict):
        if "OTIO_SCHEMA" in o:
            check_schema(o, where)
            counts[o["OTIO_SCHEMA"]] = counts.get(o["OTIO_SCHEMA"], 0) + 1
        for k, v in o.items():
            if k != "metadata":  # metadata is free-form
                visit(v, f"{where}.{k}", counts)
    elif isinstance(o, list):
        for i, v in enumerate(o):
            visit(v, f"{where}[{i}]", counts)


def item_duration(o, where):
    """Duration in seconds of an item on its parent track, and its source start."""
    sr = o.get("source_range")
    if sr is not None:
        start, duration, rate = time_range(sr, where + ".source_range")
        return duration, start, rate
    schema = o["OTIO_SCHEMA"]
    if schema in ("Clip.1", "Clip.2"):
        ref = o.get("media_reference") if schema == "Clip.1" else \
            o["media_references"][o["active_media_reference_key"]]
        if isinstance(ref, dict) and ref.get("available_range"):
            start, duration, rate = time_range(ref["available_range"], where + ".available_range")
            return duration, start, rate
        raise Bad(f"{where}: a clip without source_range or available_range has no duration")
    if schema == "Track.1":
        return layout(o, where)["duration_s"], 0.0, None
    if schema == "Stack.1":
        durations = [layout(c, f"{where}.children[{i}]")["duration_s"]
                     for i, c in enumerate(o["children"]) if c.get("OTIO_SCHEMA") == "Track.1"]
        return max(durations, default=0.0), 0.0, None
    raise Bad(f"{where}: {schema} cannot be an item of a track")


def layout(track, where):
    """Places the track's items end to end; transitions sit at the edit between neighbours."""
    children = track["children"]
    items, transitions = [], []
    pos = 0.0
    rate = None
    previous_was_transition = False
    for i, c in enumerate(children):
        w = f"{where}.children[{i}]"
        if not isinstance(c, dict) or "OTIO_SCHEMA" not in c:
            raise Bad(f"{w}: not a schema object")
        schema = c["OTIO_SCHEMA"]
        if schema == "Transition.1":
            if previous_was_transition:
                raise Bad(f"{w}: two transitions in a row")
            previous_was_transition = True
            t_in, r = rational_time(c["in_offset"], w + ".in_offset")
            t_out, _ = rational_time(c["out_offset"], w + ".out_offset")
            rate = rate or r
            transitions.append({"index": i, "at_s": pos, "in_s": t_in, "out_s": t_out,
                                "type": c["transition_type"], "name": c.get("name", "")})
            continue
        if schema not in ITEMS:
            raise Bad(f"{w}: {schema} cannot be a child of a track")
        previous_was_transition = False
        duration, source_start, r = item_duration(c, w)
        rate = rate or r
        entry = {"index": i, "schema": schema, "name": c.get("name", ""), "start_s": pos,
                 "duration_s": duration, "source_start_s": source_start}
        if schema == "Clip.2":
            ref = c["media_references"][c["active_media_reference_key"]]
            entry["target_url"] = ref.get("target_url", "")
        elif schema == "Clip.1" and isinstance(c.get("media_reference"), dict):
            entry["target_url"] = c["media_reference"].get("target_url", "")
        items.append(entry)
        pos += duration
    # A transition must fit within its neighbours: in_offset before the edit lies in the
    # previous item, out_offset after it in the next one (OTIO's handles rule).
    eps = 1e-9
    for t in transitions:
        before = [it for it in items if it["index"] == t["index"] - 1]
        after = [it for it in items if it["index"] == t["index"] + 1]
        if before and t["in_s"] > before[0]["duration_s"] + eps:
            raise Bad(f"{where}: transition {t['name']!r} reaches before its previous item")
        if after and t["out_s"] > after[0]["duration_s"] + eps:
            raise Bad(f"{where}: transition {t['name']!r} reaches past its next item")
    # Tiling: each item starts where the previous one ends (by construction of pos), and
    # none has a negative length; the track lasts exactly the sum.
    for a, b in zip(items, items[1:]):
        if abs(a["start_s"] + a["duration_s"] - b["start_s"]) > eps:
            raise Bad(f"{where}: items do not tile the track")
    markers = []
    for i, m in enumerate(track.get("markers", []) or []):
        start, duration, _ = time_range(m["marked_range"], f"{where}.markers[{i}].marked_range")
        markers.append({"name": m.get("name", ""), "start_s": start, "duration_s": duration})
    return {"name": track.get("name", ""), "kind": track.get("kind", ""), "rate": rate,
            "duration_s": pos, "items": items, "transitions": transitions, "markers": markers}


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        print(f"otio_check: {argv[1]}: {e}", file=sys.stderr)
        return 1
    try:
        if not isinstance(doc, dict) or doc.get("OTIO_SCHEMA") != "Timeline.1":
            raise Bad("root: not a Timeline.1")
        counts = {}
        visit(doc, "timeline", counts)
        stack = doc["tracks"]
        if stack.get("OTIO_SCHEMA") != "Stack.1":
            raise Bad("timeline.tracks: not a Stack.1")
        tracks = [layout(t, f"tracks.children[{i}]")
                  for i, t in enumerate(stack["children"]) if t.get("OTIO_SCHEMA") == "Track.1"]
    except Bad as e:
        print(f"otio_check: {argv[1]}: {e}", file=sys.stderr)
        return 1
    json.dump({"name": doc.get("name", ""), "schemas": counts, "tracks": tracks}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
