/*
 * delta_info.c - printing what a delta does (lpack delta, info, apply)
 */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>

#include <lp.h>

#include "common/cli.h"
#include "lpack/lpack.h"

void delta_info_json(FILE *f, const char *path, const lp_delta_info *i)
{
    fputs("{\"delta\":", f);
    cli_json_str(f, path);
    fputs(",\"base\":{\"id\":", f);
    cli_json_str(f, i->base_id);
    fprintf(f, ",\"version\":%" PRIu64 ",\"manifest\":\"%s\"}",
            i->base_version, i->base_manifest);
    fputs(",\"target\":{\"id\":", f);
    cli_json_str(f, i->target_id);
    fprintf(f, ",\"version\":%" PRIu64 ",\"label\":", i->target_version);
    cli_json_str(f, i->target_label);
    fprintf(f, ",\"manifest\":\"%s\",\"file_bytes\":%" PRIu64 "}",
            i->target_manifest, i->target_size);
    fprintf(f, ",\"delta_bytes\":%" PRIu64 ",\"disk_bytes\":%" PRIu64
            ",\"temp_bytes\":%" PRIu64 ",\"window_bytes\":%" PRIu64
            ",\"level\":%d,\"exact\":%s,\"segments\":%" PRIu64,
            i->delta_size, lp_delta_disk_bytes(i), i->temp_size,
            i->window, i->level, i->exact ? "true" : "false", i->segments);
    fprintf(f, ",\"keep\":{\"objects\":%" PRIu64 ",\"bytes\":%" PRIu64 "}"
            ",\"patch\":{\"objects\":%" PRIu64 ",\"bytes\":%" PRIu64 "}"
            ",\"add\":{\"objects\":%" PRIu64 ",\"bytes\":%" PRIu64 "}"
            ",\"remove\":{\"objects\":%" PRIu64 ",\"bytes\":%" PRIu64 "}"
            ",\"renamed_paths\":%" PRIu64 "}\n",
            i->keep_objects, i->keep_bytes, i->patch_objects, i->patch_bytes,
            i->add_objects, i->add_bytes, i->remove_objects, i->remove_bytes,
            i->renamed_paths);
}

void delta_info_text(FILE *f, const lp_delta_info *i)
{
    char s[CLI_SIZE_BYTES];

    fprintf(f, "delta: %s %" PRIu64 " -> %" PRIu64 "\n",
            cli_text(i->target_id), i->base_version, i->target_version);
    fprintf(f, "base: %s version %" PRIu64 "\n", cli_text(i->base_id),
            i->base_version);
    fprintf(f, "base manifest: %s\n", i->base_manifest);
    fprintf(f, "target: %s version %" PRIu64 "\n", cli_text(i->target_id),
            i->target_version);
    fprintf(f, "target label: %s\n", cli_text(i->target_label));
    fprintf(f, "target manifest: %s\n", i->target_manifest);
    cli_format_size(s, i->delta_size);
    fprintf(f, "delta: %" PRIu64 " bytes (%s)\n", i->delta_size, s);
    cli_format_size(s, i->target_size);
    fprintf(f, "target file: %" PRIu64 " bytes (%s)\n", i->target_size, s);
    cli_format_size(s, lp_delta_disk_bytes(i));
    fprintf(f, "apply disk: up to %" PRIu64 " bytes (%s)\n",
            lp_delta_disk_bytes(i), s);
    cli_format_size(s, i->window);
    fprintf(f, "apply memory: %" PRIu64 " bytes (%s) to decode\n", i->window,
            s);
    fprintf(f, "keep: %" PRIu64 " objects, %" PRIu64 " bytes\n",
            i->keep_objects, i->keep_bytes);
    fprintf(f, "patch: %" PRIu64 " objects, %" PRIu64 " bytes\n",
            i->patch_objects, i->patch_bytes);
    fprintf(f, "add: %" PRIu64 " objects, %" PRIu64 " bytes\n",
            i->add_objects, i->add_bytes);
    fprintf(f, "remove: %" PRIu64 " objects, %" PRIu64 " bytes\n",
            i->remove_objects, i->remove_bytes);
    fprintf(f, "renamed paths: %" PRIu64 "\n", i->renamed_paths);
    fprintf(f, "segments: %" PRIu64 "\n", i->segments);
    fprintf(f, "rebuilds byte for byte: %s\n", i->exact ? "yes" : "no");
}
