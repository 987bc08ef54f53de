from django.core.exceptions import ValidationError


def describe(error: ValidationError) -> str:
    """One line for a command's error output: 'field: reason; other: reason' (or just the reasons)."""
    if hasattr(error, "error_dict"):
        return "; ".join(f"{field}: {', '.join(messages)}" for field, messages in error.message_dict.items())
    return "; ".join(error.messages)
