from django import template

from actionplans import fragments

register = template.Library()


@register.simple_tag(takes_context=True)
def staff_menu(context):
    """The signed-in menu (templates/_staff_menu.html), kept as HTML (fragments.staff_menu)."""
    return fragments.staff_menu(context["request"], context)
