/** HDF5Source's errors: a closed set of codes, each naming the file. */
import { PatchbayError } from '../../runtime/util/patchbay-error.ts';

export type Hdf5SourceErrorCode =
  /** No such file, or a directory. */
  | 'FILE_NOT_FOUND'
  /** The file is not HDF5 (or not readable). */
  | 'OPEN_FAILED'
  /** The dataset is not in the file (or group): the message lists the datasets it has. */
  | 'DATASET_NOT_FOUND'
  /** A dtype patchbay has no name for (int64, strings, ...). */
  | 'BAD_DTYPE'
  /** Not an (N, ...) dataset, or start/stop outside it, or realtime without timestamps. */
  | 'BAD_DATASET';

export class Hdf5SourceError extends PatchbayError<Hdf5SourceErrorCode> {
  constructor(
    code: Hdf5SourceErrorCode,
    message: string,
    readonly file?: string,
    /** DATASET_NOT_FOUND: the datasets the file has. */
    readonly datasets?: string[],
  ) {
    super(code, message);
  }
}
