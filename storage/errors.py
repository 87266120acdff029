"""Storage errors: the driver's exceptions never cross the storage boundary."""


class StorageError(Exception):
    """A database problem, in one line a user can act on."""


class SchemaTooNewError(StorageError):
    pass


class FeedExistsError(StorageError):
    """A feed with that name or URL is already watched."""
