"""Storage errors: the driver's exceptions never cross the storage boundary."""


class StorageError(Exception):
    """A database problem, in one line a user can act on."""


class SchemaTooNewError(StorageError):
    pass


class StoryGoneError(StorageError):
    """The story an item was to join is no more: another worker merged it away meanwhile."""


class FeedExistsError(StorageError):
    """A feed with that name or URL is already watched."""
