import { RECOMMENDED_MODEL } from '../../models/recommended.js'

export const MODELS_USAGE = `Usage: verigen models pull [URI] [options]
       verigen models list [--json] [--dir DIR]

pull downloads a GGUF model into the models folder (LOCAL_MODELS_DIR, default
./data/models). URI is an http(s):// URL of a .gguf file or
hf:<user>/<repo>/<path/inside/repo>.gguf, optionally followed by @<revision>
(a branch, tag or commit; default main). Without URI it pulls the recommended
model, ${RECOMMENDED_MODEL.description}:
  ${RECOMMENDED_MODEL.uri}
An interrupted download (Ctrl-C, a cut connection) is kept as <file>.part and
continued by running the same command again. The file is checked against its
SHA-256 (--sha256, or the one Hugging Face or the server announces) and its
size, and only then given its final name.

list shows the models in the folder, their size, whether their checksum was
verified, and the one the server uses when LOCAL_MODEL is not set.

Options:
  --sha256 HEX   pull: the SHA-256 the file must have
  --dir DIR      Models folder (overrides LOCAL_MODELS_DIR)
  --json         list: print JSON
  -h, --help     Show this help

Exit codes:
  0    done
  1    the download or its verification failed (the detail is on stderr)
  2    usage error
  130  pull stopped by Ctrl-C; the partial file is kept for a resume`
